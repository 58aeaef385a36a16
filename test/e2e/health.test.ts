import { expect } from 'chai';
import { MemoryBroker } from '../../lib/broker/memory-broker.js';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** A memory broker that can lose its connection, as a Redis broker can. */
class UnpluggableBroker extends MemoryBroker {
  connected = true;
  override isReady(): boolean {
    return this.connected && super.isReady();
  }
  override get state(): string {
    return this.connected ? super.state : 'reconnecting';
  }
}

describe('e2e: health and readiness', () => {
  let srv: TestServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('answers /pushy/health and /pushy/ready with JSON while running', async () => {
    srv = await startServer();
    const health = await request(`${srv.url}/pushy/health`);
    expect(health.status).to.equal(200);
    expect(health.headers.get('content-type')).to.match(/^application\/json/);
    expect(health.body.status).to.equal('ok');
    expect(health.body.uptime).to.be.a('number');
    const ready = await request(`${srv.url}/pushy/ready`);
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.include({ status: 'ready', checks: { accepting: true, broker: 'ready' } });
    expect((await request(`${srv.url}/pushy/ready`, { method: 'HEAD' })).status).to.equal(200);
    expect((await request(`${srv.url}/pushy/health`, { method: 'POST' })).status).to.equal(405);
  });

  it('is not ready while the broker is disconnected, and ready again once it is back', async () => {
    const broker = new UnpluggableBroker();
    srv = await startServer({}, { broker });
    broker.connected = false;
    const down = await request(`${srv.url}/pushy/ready`);
    expect(down.status).to.equal(503);
    expect(down.body).to.deep.include({ status: 'unavailable', checks: { accepting: true, broker: 'reconnecting' } });
    expect(down.body.error).to.deep.equal({ code: '503', name: 'UNAVAILABLE', message: 'Broker not connected' });
    expect((await request(`${srv.url}/pushy/health`)).status).to.equal(200);
    broker.connected = true;
    expect((await request(`${srv.url}/pushy/ready`)).status).to.equal(200);
  });

  it('answers 503 on /pushy/ready from the start of a shutdown, while still serving during health.drainDelay', async () => {
    srv = await startServer({ health: { drainDelay: 3000 } });
    const closing = srv.close();
    const ready = await request(`${srv.url}/pushy/ready`);
    expect(ready.status).to.equal(503);
    expect(ready.headers.get('retry-after')).to.equal('5');
    expect(ready.body).to.deep.include({ status: 'unavailable', checks: { accepting: false, broker: 'ready' } });
    expect(ready.body.error.message).to.equal('Shutting down');
    expect((await request(`${srv.url}/pushy/health`)).status).to.equal(200);
    await closing;
  });
});
