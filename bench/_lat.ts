import path from 'node:path'
import fs from 'node:fs'
import { newId } from '../src/shared/ids'
import { startChild } from './lib/child'
import { RawClient } from './lib/raw-client'
import { seedAccounts } from './lib/server-seed'
const dir = fs.mkdtempSync('/dev/shm/lat-')
const devs = await seedAccounts(path.join(dir,'s'), ['aaa1','bbb1'])
const srv = await startChild('bench/children/parley-server.ts', { dataDir: path.join(dir,'s'), limits: { frames: { capacity: 1e9, refillPerSecond: 1e9 }, framesPerUser: { capacity: 1e9, refillPerSecond: 1e9 } } }, path.join(dir,'log'))
const a = await RawClient.connect(srv.url, devs[0]!.token)
const b = await RawClient.connect(srv.url, devs[1]!.token)
let resolveD: () => void = () => {}
const t: number[] = []
const marks: Record<string, number> = {}
let t0 = 0
a.onFrame = (f) => { if (f.type==='error') console.log('A error', JSON.stringify(f)); if (f.type==='ack') marks.ack = performance.now()-t0; if (f.type==='event') { marks[f.event.kind+'A'] = performance.now()-t0; a.send({type:'received', seq:f.seq}) } }
b.onFrame = (f) => { if (f.type==='error') console.log('B error', JSON.stringify(f)); if (f.type==='event') { marks[f.event.kind+'B'] = performance.now()-t0; marks.seqB=f.seq; b.send({type:'received', seq:f.seq}); if (f.event.kind==='message') resolveD() } }
for (let i=0;i<200;i++){ t0=performance.now(); const p = new Promise<void>(r=>resolveD=r); const wd = setTimeout(()=>console.log('stuck', i, JSON.stringify(marks)), 2000); a.send({type:'send', id:newId(), conversationId:'dm:aaa1:bbb1', text:'hello'}); await p; clearTimeout(wd); t.push(performance.now()-t0); if (i%50===0) console.log(i, JSON.stringify(marks)); await new Promise(r=>setTimeout(r,5)) }
t.sort((x,y)=>x-y); console.log('p50', t[100], 'p99', t[197])
await a.close(); await b.close(); await srv.stop(); console.log(dir)
