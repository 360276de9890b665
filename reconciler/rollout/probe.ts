/**
 * berth's own HTTP and TCP probes, run from the reconciler against a pod's
 * published port — the way a load balancer in front of it would see it.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";

export interface Prober {
  http(url: string, timeoutMs: number): Promise<boolean>;
  tcp(host: string, port: number, timeoutMs: number): Promise<boolean>;
}

export const networkProber: Prober = {
  http: (url, timeoutMs) =>
    new Promise((resolve) => {
      const client = url.startsWith("https:") ? https : http;
      const req = client.get(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 400);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
    }),
  tcp: (host, port, timeoutMs) =>
    new Promise((resolve) => {
      const socket = net.connect({ host, port, timeout: timeoutMs });
      socket.on("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("timeout", () => {
        socket.destroy();
        resolve(false);
      });
      socket.on("error", () => resolve(false));
    }),
};
