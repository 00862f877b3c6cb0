console.log("public summary");
