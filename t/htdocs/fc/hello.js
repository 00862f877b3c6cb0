console.log("hello route");
