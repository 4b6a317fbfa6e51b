-- Heals expired leases (take-10 and reap-7): each expired batch list with items is requeued with
-- an attempt per item, within MAX_ITEMS items per call; an empty or gone one loses its lease and
-- taken time. So does a key of another type: it holds none of our items and a lease left on it
-- would come back on every call, but the key itself is not ours to delete. Counts the requeued
-- items in stats. k = the requeue keys (leases, taken, retry, attempts, dead, stats); the caller
-- has checked their types. With k.causes (reap) each requeued item's cause is recorded: hung past
-- batch_timeout_s when the batch was taken that long ago, else a lease nobody renewed.
-- Returns batches, items, dead, dropped (empty, gone or foreign keys).
local function heal_expired(k, expired, max_attempts, now, batch_timeout_s)
  local batches, items, dead, dropped = 0, 0, 0, 0
  for i = 1, #expired do
    local key = expired[i]
    local len = read(E_BATCH, 'LLEN', key)
    if len == nil or len == 0 then
      redis.call('ZREM', k.leases, key)
      redis.call('HDEL', k.taken, key)
      dropped = dropped + 1
    elseif items + len <= MAX_ITEMS then
      local record
      if k.causes then
        local taken_at = tonumber(redis.call('HGET', k.taken, key))
        local cause
        if taken_at and batch_timeout_s and now - taken_at >= batch_timeout_s * 1000 then
          cause = {kind = 'hung', message = 'hung past batch_timeout_s (' .. batch_timeout_s .. ' s)', by = 'reaper'}
        else
          cause = {kind = 'lease', message = 'lease expired: the worker stopped renewing it (killed, or its node lost)', by = 'reaper'}
        end
        record = cause_record(cause, batch_prefix_of(k.leases), key, now)
      end
      local moved, died = requeue_batch(k, key, max_attempts, record)
      batches, items, dead = batches + 1, items + moved, dead + died
    end
  end
  count_requeued(k.stats, items, now)
  return batches, items, dead, dropped
end
