-- The reads both takes (take-10 and take-group-10) start with. They also check, before the
-- first write, the type of every key the take may write: the reads it needs anyway (config,
-- retry length, expired leases) plus one O(1) read per other key; a wrong type is an error reply.
-- Returns {cfg, retry_len, attempts_len, expired, now}, or nil and the error reply.
local function take_reads(k)
  local r, err, _ = {}, nil, nil
  r.cfg, err = read(E_CONFIG, 'HMGET', k.config, 'lease_s', 'batch_timeout_s', 'max_attempts')
  if err then return nil, err end
  r.retry_len, err = read(E_RETRY, 'LLEN', k.retry)
  if err then return nil, err end
  r.attempts_len, err = read(E_ATTEMPTS, 'HLEN', k.attempts)
  if err then return nil, err end
  _, err = read(E_TAKEN, 'HLEN', k.taken)
  if err then return nil, err end
  r.now = now_ms()
  r.expired, err = read(E_LEASES, 'ZRANGEBYSCORE', k.leases, '-inf', r.now, 'LIMIT', 0, 10)
  if err then return nil, err end
  return r
end
