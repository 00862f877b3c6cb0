console.log("admin route");
