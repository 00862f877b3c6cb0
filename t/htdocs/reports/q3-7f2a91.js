console.log("q3 report of session 7f2a91");
