document.addEventListener("DOMContentLoaded", function () { document.body.insertAdjacentHTML("beforeend", "<p>app.js ran</p>"); });
