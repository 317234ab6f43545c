"""The SimFaaS paper's reference model in SimFaaS 0.2.2 (the peer of bench/simfaas-reference.ron):
Poisson arrivals at 0.9/s, exponential warm service with mean 1.991 s, cold service mean
2.244 s (1.991 s + the 253 ms start-up), expiration after 600 s, 10^6 simulated seconds."""
from simfaas.ServerlessSimulator import ServerlessSimulator

sim = ServerlessSimulator(arrival_rate=0.9, warm_service_rate=1 / 1.991,
                          cold_service_rate=1 / 2.244, expiration_threshold=600,
                          max_time=1e6)
sim.generate_trace(debug_print=False, progress=False)
print(f"p_cold {sim.get_cold_start_prob():.6f}")
print(f"mean_instances {sim.get_average_server_count():.4f}")
print(f"mean_running {sim.get_average_server_running_count():.4f}")
