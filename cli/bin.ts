// The CLI as one entry point for the extension's bundle (bin/tasklens.js does the same for npm).
import { main } from "./main";

process.setSourceMapsEnabled(true);
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
