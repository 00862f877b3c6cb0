var hints_b = 1;
