// Jest resolves `preset: 'jest-tracemalloc'` to this file name; the preset itself is jest.preset.js.
module.exports = require('./jest.preset.js');
