module.exports = require('../../tools/webpack/node-app.cjs')(__dirname);
