// Loaded with `node --import` into a voxnix process under test: writes every @opentelemetry
// module the process loaded to the file named by VOXNIX_TEST_IMPORTS, so a test can tell which
// parts of OpenTelemetry a daemon took in. Both ways in are watched: ES module resolution (a
// resolve hook, appended as it happens) and CommonJS (the require cache, written at exit), since
// the SDK packages are CommonJS and load each other with require().
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const file = process.env.VOXNIX_TEST_IMPORTS;
if (file) {
  const hooks = `
    import { appendFileSync } from "node:fs";
    let file;
    export function initialize(data) { file = data; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      if (result.url.includes("/@opentelemetry/")) appendFileSync(file, "esm " + result.url + "\\n");
      return result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: file });
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    const loaded = Object.keys(cache).filter((path) => path.includes("/@opentelemetry/"));
    appendFileSync(file, loaded.map((path) => `cjs ${path}\n`).join(""));
  });
}
