"""Digital twin: the zone's own clearance rules inside a discrete-event simulation of a port."""
