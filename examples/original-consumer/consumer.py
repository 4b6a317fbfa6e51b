import redis, os, math

r_in = redis.from_url(os.getenv("INPUT_REDIS_URL"))
r_out = redis.from_url(os.getenv("OUTPUT_REDIS_URL"))
input_q = os.getenv("INPUT_QUEUE")
output_q = os.getenv("OUTPUT_QUEUE")

while True:
    result = r_in.brpop(input_q, timeout=5)
    if result is None:
        if r_in.llen(input_q) == 0:
            break
        continue
    _, data = result
    n = float(data.decode() if isinstance(data, bytes) else data)
    r_out.lpush(output_q, f"{n}:{math.sqrt(n)}")
