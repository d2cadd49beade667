export default {
  /** Test files. */
  entries: ['tests/assembly/**/*.spec.ts'],
  /** Files added to every test compilation. */
  include: ['tests/assembly/**/*.include.ts'],
  /** Files never tested. */
  disclude: [/node_modules/],
  /** The tests own their memory; the core takes an explicit base through initAt (assembly/init.ts). */
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
