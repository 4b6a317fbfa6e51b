console.log('gridnode: not built yet');
