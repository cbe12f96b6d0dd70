import type { SystemModule } from '../src/connectors/system.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { slackAccounts } from '../src/connectors/slack/system.js';

/**
 * The built-in systems, in the order they are shown: the one place a built-in system plugs in.
 * Those declared in OFFBOARD_SYSTEMS_FILE (each of a kind in src/connectors/system-kinds.ts) join
 * them at start-up: what reads the registry reads `config.modules`.
 */
export const SYSTEMS: readonly SystemModule[] = [ibmCloud, slackAccounts];
