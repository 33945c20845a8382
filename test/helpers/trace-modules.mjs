// Preloaded (node --import) by tests that check what a command loads. Every module the process
// resolves through ESM, and every file in the CommonJS cache at exit, is appended to the file
// named by PSC_BRIDGE_MODULE_TRACE, one URL or path a line.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const trace = process.env.PSC_BRIDGE_MODULE_TRACE;
if (trace) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(${JSON.stringify(trace)}, result.url + '\\n');
      return result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(trace, `${Object.keys(cache).join('\n')}\n`));
}
