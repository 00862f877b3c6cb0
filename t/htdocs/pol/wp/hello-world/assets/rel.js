// wp/hello-world/assets/rel.js
window.polLoaded = (window.polLoaded || 0) + 1;
