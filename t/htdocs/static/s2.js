/* static/s2.js */
