#!/bin/sh
# Rebuild the online questionnaires' browser bundle (server/static/webforms) from package-lock.json.
#
# `npm ci` installs exactly the locked versions (ODK Web Forms, Vue, Vite) from the npm registry;
# Vite bundles src/ with them. build.json records the lockfile's SHA-256 and every file built, so a
# test can tell when the committed bundle no longer matches the lockfile. The bundle is committed:
# `make run` and the tests need neither Node.js nor the registry.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx vite build
node --input-type=module -e '
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
const sha = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const out = "../static/webforms";
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const version = (name) => lock.packages[`node_modules/${name}`].version;
const files = Object.fromEntries(readdirSync(out).filter((f) => f !== "build.json").sort()
  .map((f) => [f, sha(`${out}/${f}`)]));
writeFileSync(`${out}/build.json`, JSON.stringify({
  lockfile_sha256: sha("package-lock.json"),
  versions: { "@getodk/web-forms": version("@getodk/web-forms"), vue: version("vue"), vite: version("vite") },
  files,
}, null, 2) + "\n");
'
echo "built $(ls ../static/webforms | wc -l) files into server/static/webforms"
