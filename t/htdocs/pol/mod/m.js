// mod/m.js
window.polLoaded = (window.polLoaded || 0) + 1;
