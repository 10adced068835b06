// ./examples/files-and-strings.ts — files, strings, factors and tuples as blocks
import { Block, open } from 'keepr';

const store = await open(process.argv[2] ?? './data');
// `keepr serve` publishes the source `www` (its --web option) at each block's URL attribute.
const www = await store.source('www');

// Any file is a block: its bytes plus a MIME type and the URL to publish it at ('/' + key in www).
const html = new TextEncoder().encode('<h1>hello</h1>');
await www.put('index.html', Block.file(html, 'text/html; charset=utf-8', { url: '/index.html' }));

// A JSON document is a file too: its bytes exactly, with its MIME type.
const doc = new TextEncoder().encode('{"name":"ana"}');
await www.put('ana.json', Block.file(doc, 'application/json', { url: '/ana.json' }));

// Strings keep NA (null) distinct from the empty string; factors carry their level labels.
const survey = Block.tuple({
  name: Block.from(['ana', '', null]),
  grade: Block.create({ type: 'factor', data: ['high', 'low', 'mid'], levels: ['low', 'mid', 'high'], ordered: true }),
});
const data = await store.source('data');
await data.put('survey', survey, { mode: 'if-absent' });

const page = await www.get('index.html');
console.log(page?.mime, page?.url, new TextDecoder().decode(page?.data()));
console.log(new TextDecoder().decode((await www.get('ana.json'))?.data()));
console.log((await data.get('survey'))?.toJS());
await store.close();
