/**
 * npm run keygen: prints a new Ed25519 key pair in PEM. Keep the private key where only the bot
 * reads it (OFFBOARD_SIGNING_KEY_FILE, mode 0600); give the public key to whoever verifies packs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { publicKeyFingerprint } from '../evidence/pack-signing.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
console.log(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim());
console.log(publicKey.export({ type: 'spki', format: 'pem' }).toString().trim());
console.log(`# public key SHA-256 (shown in every manifest it signs): ${publicKeyFingerprint(publicKey)}`);
console.log('# Save the PRIVATE KEY block as OFFBOARD_SIGNING_KEY_FILE, choose an OFFBOARD_SIGNING_KEY_ID, and hand out the PUBLIC KEY block.');
