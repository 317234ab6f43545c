"""M/M/10 at rho = 0.9 in SimPy 4.1.2 (the peer of bench/mmc-10.ron): Poisson arrivals at
9/s, ten servers, exponential service with mean 1 s, 100,000 simulated seconds."""
import random

import simpy

LAMBDA, MU, C, HORIZON = 9.0, 1.0, 10, 100_000.0
random.seed(1)
env = simpy.Environment()
servers = simpy.Resource(env, capacity=C)
waits = []


def customer(env):
    arrived = env.now
    with servers.request() as req:
        yield req
        yield env.timeout(random.expovariate(MU))
    waits.append(env.now - arrived)


def source(env):
    while True:
        yield env.timeout(random.expovariate(LAMBDA))
        env.process(customer(env))


env.process(source(env))
env.run(until=HORIZON)
print(f"customers {len(waits)}")
print(f"mean_response_s {sum(waits) / len(waits):.4f}")
