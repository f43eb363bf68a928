/* Entry point of edgekit's RISC-V QEMU platform: the stack and global pointers, then C. */
  .section .text.start, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, _estack
  call ek_reset
1:
  j 1b
