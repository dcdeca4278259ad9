/**
 * Jest's node environment gives each test file its own realm, so typed arrays made there are not `instanceof` the
 * constructors native addons (onnxruntime-node, sharp) use, and onnxruntime-common rejects them ("A float32
 * tensor's data must be type of function Float32Array()"). This environment shares the process's own typed-array
 * constructors with the tests, as in a real Node program.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class NodeRealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NodeRealmEnvironment;
