export { ScimDirectory } from './scim-directory.js';
export type { SimScimGroup, SimScimUser } from './scim-directory.js';
export { startScimSimulator } from './scim-simulator.js';
export type { ScimCall, ScimFault, ScimSimulator, ScimSimulatorOptions } from './scim-simulator.js';
