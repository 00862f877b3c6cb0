var html_b = 1;
