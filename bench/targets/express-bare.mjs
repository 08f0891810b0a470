// Baseline for open sites: a bare Express 5 app answering `res.send('hello')`.
import express from 'express';

export async function create() {
  const app = express();
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app };
}
