// Copies the front-end libraries from node_modules into itops/static/vendor/, where
// collectstatic picks them up. Nothing is fetched at run time.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "itops", "static", "vendor");
const files = {
  "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
  "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
  "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
  "bootstrap-icons/font/fonts": "bootstrap-icons/fonts",
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "htmx-ext-ws/dist/ws.min.js": "htmx/ws.min.js",
  "uplot/dist/uPlot.iife.min.js": "uplot/uPlot.iife.min.js",
  "uplot/dist/uPlot.min.css": "uplot/uPlot.min.css",
  "cytoscape/dist/cytoscape.min.js": "cytoscape/cytoscape.min.js",
};

rmSync(vendor, { recursive: true, force: true });
let copied = 0;
for (const [source, target] of Object.entries(files)) {
  const destination = join(vendor, target);
  mkdirSync(dirname(destination), { recursive: true });
  cpSync(join(root, "node_modules", source), destination, { recursive: true });
  // Source maps travel with their files: hashed static storage follows the references.
  const sourceMap = join(root, "node_modules", `${source}.map`);
  if (existsSync(sourceMap)) cpSync(sourceMap, `${destination}.map`);
  copied += 1;
}
console.log(`assets: ${copied} vendor files in itops/static/vendor`);
