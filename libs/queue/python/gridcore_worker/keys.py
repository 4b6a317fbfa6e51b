"""Every key of one input queue and the cluster tag rule (the twin of queue-keys.ts and crc16.ts)."""

CLUSTER_SLOTS = 16384


def crc16(data):
    """CRC16-CCITT (XMODEM), as Redis Cluster uses for key slots."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def hash_tag(key):
    start = key.find("{")
    if start < 0:
        return None
    end = key.find("}", start + 1)
    if end < 0 or end == start + 1:
        return None
    return key[start + 1:end]


def key_slot(key):
    tag = hash_tag(key)
    return crc16(tag if tag is not None else key) % CLUSTER_SLOTS


class InvalidQueueName(ValueError):
    code = "QUEUE_NAME_INVALID"


def queue_prefix(queue):
    """P for input queue Q: Q when tagged, else {Q}; an untagged Q with a brace is refused."""
    if not queue:
        raise InvalidQueueName('invalid name "": the queue name is empty')
    if hash_tag(queue) is not None:
        return queue
    if "{" in queue or "}" in queue:
        raise InvalidQueueName('invalid name "%s": it has a brace but no hash tag ({tag} with at least one character)' % queue)
    return "{%s}" % queue


class QueueKeys:
    """Every key of one input queue (SPEC §4), as queue-keys.ts builds them."""

    def __init__(self, queue):
        self.prefix = queue_prefix(queue)
        p = self.prefix
        self.input = queue
        self.seq, self.leases, self.taken = p + ":seq", p + ":leases", p + ":taken"
        self.retry, self.attempts, self.dead = p + ":retry", p + ":attempts", p + ":dead"
        self.stats, self.config = p + ":stats", p + ":config"
        self.causes = p + ":causes"
        self.batch_prefix = p + ":batch:"
        self.slot = key_slot(queue)

    def slot_prefix(self, node, instance, run=None):
        base = "%s%s:%s:" % (self.batch_prefix, node, instance)
        return base if run is None else "%s%s:" % (base, run)

    def lane_prefix(self, node, instance, run, lane):
        return "%s%d:" % (self.slot_prefix(node, instance, run), lane)
