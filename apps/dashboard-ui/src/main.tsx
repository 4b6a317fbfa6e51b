import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('root')!;
// Drop the "Loading…" placeholder: render() keeps children it did not create.
root.replaceChildren();
render(<App />, root);
