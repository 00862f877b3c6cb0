/* log/l2.js */
