// wasm-opt -Oz over many modules in one process: `node scripts/wasm-opt-all.mjs
// BINARYEN_DIR FILE...` rewrites each FILE in place. The npm build of Binaryen takes
// about a second to start, and a split bundle has a couple of hundred modules; this
// starts it once, with -Oz's levels and the features build.sh used to pass
// (--enable-bulk-memory --enable-nontrapping-float-to-int) besides the module's own;
// the name section is dropped, as -Oz without -g does.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, ...files] = process.argv.slice(2);
const { default: binaryen } = await import(
  pathToFileURL(path.join(dir, 'node_modules', 'binaryen', 'index.js')).href
);
binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);
for (const file of files) {
  const module = binaryen.readBinary(fs.readFileSync(file));
  module.setFeatures(
    module.getFeatures() |
      binaryen.Features.SignExt |
      binaryen.Features.MutableGlobals |
      binaryen.Features.BulkMemory |
      binaryen.Features.NontrappingFPToInt,
  );
  module.optimize();
  fs.writeFileSync(file, module.emitBinary());
  module.dispose();
}
