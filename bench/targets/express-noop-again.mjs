// Control, not an Intermission target: express-noop again, in a process of its own. Its ratio to
// express-noop is what the timed rows read when nothing differs: the noise a timed row cannot tell
// apart from a change.
export { create } from './express-noop.mjs';
