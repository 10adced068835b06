// ./examples/files-and-strings.ts — files, strings, factors and tuples as blocks
import { Block, open } from 'keepr';

const store = await open(process.argv[2] ?? './data');
const site = await store.source('site');

// Any file is a block: its bytes plus a MIME type and the URL to publish it at.
const html = new TextEncoder().encode('<h1>hello</h1>');
await site.put('index.html', Block.file(html, 'text/html; charset=utf-8', { url: '/index.html' }));

// Strings keep NA (null) distinct from the empty string; factors carry their level labels.
const survey = Block.tuple({
  name: Block.from(['ana', '', null]),
  grade: Block.create({ type: 'factor', data: ['high', 'low', 'mid'], levels: ['low', 'mid', 'high'], ordered: true }),
});
await site.put('survey', survey, { mode: 'if-absent' });

const page = await site.get('index.html');
console.log(page?.mime, page?.url, new TextDecoder().decode(page?.data()));
console.log((await site.get('survey'))?.toJS());
await store.close();
