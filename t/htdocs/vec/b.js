/* vec/b.js */ var b = 2;
