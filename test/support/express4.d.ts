// express 4 under an npm alias (scimmy-routers needs it, see scimmy-server.ts): its API is typed as
// express's own, which is what @types/express describes for the parts the test server uses.
declare module 'express4' {
  import express from 'express';
  export default express;
}
