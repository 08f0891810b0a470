// Baseline for the gate inside Express: a route that answers with a prebuilt buffer of the gate
// page's size (the gate's own bytes), with the gate's status and header list, written in one go.
import express from 'express';
import { gateResponse } from './common.mjs';

export async function create() {
  const { status, headers, body } = await gateResponse();
  const app = express();
  app.get('/', (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  });
  return { listener: app, info: { bytes: body.length, status } };
}
