import type { SystemModule } from '../src/connectors/system.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { slackAccounts } from '../src/connectors/slack/system.js';

/** Every system the bot can offboard from, in the order they are shown: the one place a system plugs in. */
export const SYSTEMS: readonly SystemModule[] = [ibmCloud, slackAccounts];
