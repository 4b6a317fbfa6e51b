/** Port: the literal secrets the hub knows that a node's containers could print. */
export abstract class LogSecrets {
  abstract literalsFor(nodeId: string): string[];
}
