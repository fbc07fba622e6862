// deploy/k8s: `kubectl kustomize` renders it with no cluster, every rendered
// object validates against the Kubernetes schemas bundled in the npm package
// kubernetes-models, and the objects fit together (names, ports, drains).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { run, serviceVariables, SERVICES } from './util.mjs';

const KUBECTL = process.env.KUBECTL || 'kubectl';
const objects = parseAllDocuments(run(KUBECTL, ['kustomize', 'deploy/k8s']))
  .map((doc) => doc.toJS())
  .filter(Boolean);
const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const settings = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('poeticoins-settings'));

test('kubectl kustomize renders the expected objects', () => {
  const names = objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
  for (const want of ['Namespace/poeticoins', 'StatefulSet/redis', 'Service/redis', 'PodDisruptionBudget/redis',
    'ConfigMap/redis-config', 'ConfigMap/poeticoins-settings', 'Deployment/coinbase', 'Deployment/bitstamp',
    'Deployment/web', 'Service/web', 'Ingress/web', 'HorizontalPodAutoscaler/web']) {
    assert.ok(names.includes(want), `${want} missing from ${names.join(', ')}`);
  }
  for (const o of objects) {
    if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'poeticoins', `${o.kind}/${o.metadata.name}`);
  }
});

test('every object validates against the Kubernetes schemas', async () => {
  for (const o of objects) {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [null, o.apiVersion];
    const module = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
    const Model = module[o.kind];
    assert.ok(Model, `no schema for ${o.apiVersion} ${o.kind}`);
    try {
      new Model(o).validate();
    } catch (err) {
      assert.fail(`${o.kind}/${o.metadata.name}: ${err.message}`);
    }
  }
});

test('every container is probed, bounded and locked down', () => {
  for (const w of workloads) {
    const pod = w.spec.template.spec;
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${w.metadata.name} runAsNonRoot`);
    for (const c of pod.containers) {
      const where = `${w.metadata.name}/${c.name}`;
      assert.ok(c.readinessProbe && c.livenessProbe, `${where} probes`);
      assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${where} requests`);
      assert.ok(c.resources?.limits?.memory, `${where} memory limit`);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where} readOnlyRootFilesystem`);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where} allowPrivilegeEscalation`);
    }
  }
  for (const name of SERVICES) {
    const c = find('Deployment', name).spec.template.spec.containers[0];
    assert.deepEqual(c.command, [name]);
    assert.equal(c.readinessProbe.httpGet.path, '/healthz', `${name} readiness on /healthz`);
    const port = c.readinessProbe.httpGet.port;
    assert.ok(c.ports.some((p) => p.name === port), `${name} probe port ${port} is declared`);
  }
});

test('the ingest services are single writers that drain before they stop', () => {
  const drainMs = Number(settings.data.SHUTDOWN_TIMEOUT_MS);
  for (const name of ['coinbase', 'bitstamp']) {
    const d = find('Deployment', name);
    assert.equal(d.spec.replicas, 1, `${name} replicas`);
    assert.equal(d.spec.strategy.type, 'Recreate', `${name} strategy`);
    assert.ok(d.spec.template.spec.terminationGracePeriodSeconds * 1000 > drainMs, `${name} grace period`);
  }
});

test('references resolve: settings, services, autoscaler, ingress', () => {
  for (const w of workloads) {
    for (const c of w.spec.template.spec.containers) {
      for (const ref of c.envFrom ?? []) {
        assert.ok(find('ConfigMap', ref.configMapRef.name), `${w.metadata.name} envFrom ${ref.configMapRef.name}`);
      }
    }
    for (const v of w.spec.template.spec.volumes ?? []) {
      if (v.configMap) assert.ok(find('ConfigMap', v.configMap.name), `${w.metadata.name} volume ${v.configMap.name}`);
    }
  }
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const target = workloads.find((w) =>
      Object.entries(svc.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
    assert.ok(target, `Service/${svc.metadata.name} selects no pods`);
    const ports = target.spec.template.spec.containers.flatMap((c) => c.ports);
    for (const p of svc.spec.ports) {
      assert.ok(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
        `Service/${svc.metadata.name} targetPort ${p.targetPort}`);
    }
  }
  const hpa = find('HorizontalPodAutoscaler', 'web');
  assert.ok(find(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name), 'HPA target');
  for (const rule of find('Ingress', 'web').spec.rules) {
    for (const p of rule.http.paths) assert.ok(find('Service', p.backend.service.name), 'Ingress backend');
  }
  assert.match(settings.data.REDIS_URL, /^redis:\/\/redis:6379/);
});

test('every setting is a variable some service reads', () => {
  const known = SERVICES.map(serviceVariables);
  if (known.some((k) => !k)) return; // a service is not built yet
  for (const key of Object.keys(settings.data)) {
    assert.ok(known.some((k) => k.has(key)), `ConfigMap sets ${key}, which no bin/<service> --help lists`);
  }
  for (const [i, name] of SERVICES.entries()) {
    for (const e of find('Deployment', name).spec.template.spec.containers[0].env ?? []) {
      assert.ok(known[i].has(e.name), `${name} sets ${e.name}, which bin/${name} --help does not list`);
    }
  }
});
