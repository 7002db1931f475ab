#!/usr/bin/env node
// Fake `nixos-container`: see ../lib/nixos-container.mjs.
import { nixosContainer } from "../lib/nixos-container.mjs";
import { runTool } from "../lib/tool.mjs";

await runTool("nixos-container", nixosContainer);
