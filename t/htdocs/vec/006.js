/* vec/006.js */ var v006 = 1;
