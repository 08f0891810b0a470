// The `express4` dev dependency is Express 4 under another name; its API is close enough to 5's types
// for the tests, which only mount middleware and routes.
declare module 'express4' {
  import express from 'express';
  export default express;
}
