var learn_b = 1;
