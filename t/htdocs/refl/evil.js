alert("reflected");
