/**
 * Checks a Template on its own, before any service uses it: parameter
 * defaults have their declared type, container names are unique, and every
 * `${{ ... }}` names something that can exist. Problems are reported in the
 * template's file, once, whichever services use it; so is an address of a
 * service that does not exist or exposes no port, which no user could fix.
 */
import type { TemplateDoc } from "../model/documents.ts";
import type { Diagnostic } from "../load/diagnostic.ts";
import type { Located } from "../load/parse-yaml.ts";
import { diagnosticAt } from "../load/diagnostic-at.ts";
import { namesIn } from "./interpolate.ts";
import { hasParamType } from "./params.ts";
import { addressProblem, addressTarget, type ServiceAddresses } from "./service-addresses.ts";
import { forEachString } from "./walk-strings.ts";

const SERVICE_PORT = /^service\.ports\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The names a template may use, described for messages. */
export function knownNamesHint(template: TemplateDoc): string {
  const params = Object.keys(template.spec.params ?? {}).map((p) => `params.${p}`);
  return [...params, "service.name", "service.ports.<port name>", "services.<service name>.address"].join(", ");
}

export interface CheckTemplateOptions {
  /** The repository's services, to check `${{ services.NAME.address }}` against; absent: none. */
  readonly services?: ServiceAddresses;
}

/** Static checks of one template; returns its diagnostics (empty when it is sound). */
export function checkTemplate({ doc, at }: Located<TemplateDoc>, options: CheckTemplateOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const services = options.services ?? new Map<string, number | undefined>();
  const params = doc.spec.params ?? {};
  for (const [key, param] of Object.entries(params)) {
    if (param.default !== undefined && !hasParamType(param.default, param.type)) {
      out.push(diagnosticAt(at, ["spec", "params", key, "default"], "param-type", `default of parameter ${JSON.stringify(key)} must be ${param.type === "integer" ? "an integer" : `a ${param.type}`}; got ${JSON.stringify(param.default)}`));
    }
  }
  const seen = new Map<string, number>();
  doc.spec.containers.forEach((container, i) => {
    const first = seen.get(container.name);
    if (first !== undefined) {
      out.push(diagnosticAt(at, ["spec", "containers", i, "name"], "duplicate-container", `container name ${JSON.stringify(container.name)} is already used by containers[${first}] of this template`));
    } else seen.set(container.name, i);
    forEachString(container, ["spec", "containers", i], (text, path) => {
      for (const { name, expression } of namesIn(text)) {
        if (addressTarget(name) !== undefined) {
          const problem = addressProblem(name, services);
          if (problem !== undefined) out.push(diagnosticAt(at, path, "unknown-service", problem, { needle: expression }));
          continue;
        }
        const known =
          (name.startsWith("params.") && Object.hasOwn(params, name.slice("params.".length))) ||
          name === "service.name" ||
          SERVICE_PORT.test(name);
        if (!known) {
          out.push(diagnosticAt(at, path, "unknown-name", `unknown name ${JSON.stringify(name)} in ${expression}; known names are ${knownNamesHint(doc)}`, { needle: expression }));
        }
      }
    });
  });
  return out;
}
