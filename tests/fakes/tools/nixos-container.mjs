// Fake `nixos-container`: see ../lib/nixos-container.mjs.
import { nixosContainer } from "../lib/nixos-container.mjs";
import { defineTool } from "../lib/tool.mjs";

export default defineTool("nixos-container", nixosContainer);
