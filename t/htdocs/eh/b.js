// preloaded through 103 Early Hints (t/20_chromium.t); the page checks
// that it ran
window.ehScriptRan = true;
